"""Pages for visitors: no sign-in, any language, any time zone."""
