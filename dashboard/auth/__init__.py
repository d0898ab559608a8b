"""Sign-in, roles, wall and API tokens, and CSRF protection for the web tier (docs/security.md "Sign-in")."""
