"""The model as readers meet it, read from the engine: the numbers for the story's
placeholders, the data behind the drawn figures, the knobs' names and the bounds
a reader may ask for.
"""
