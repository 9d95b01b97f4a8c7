"""The guided conversation of a text channel (issue 18): `machine` drives it; `questions` holds the
join form's questions."""
