"""The Carnet server: the litestar app, its services and its storage."""
