"""Web accounts: enterprise users and staff, password hashing, server-side sessions, CSRF, password-guess throttle."""
