"""Server-side services: NIR checks, activation codes, rate limiting, notifications."""
