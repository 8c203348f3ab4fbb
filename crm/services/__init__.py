"""Domain functions: plain Python, no Flask. `verb_noun(session, *, actor, ...)`."""
