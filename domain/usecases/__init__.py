"""The use cases, one small module per flow. Each takes a `Context` (the ports, built once by the
composition root) and the time as an argument, and returns plain data (dataclasses): the HTTP shape of
an answer is made at the edge (functions/answers/). Modules share only public names.
"""
