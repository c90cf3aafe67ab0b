"""The HTTP bodies shared by the server and the Python client (msgspec Structs)."""
