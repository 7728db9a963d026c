"""The web side of the Apprentice's Kitchen: pages, widgets and the JSON API.

``app.main`` wires the pieces; each concern has its own module. Data flows one
way: content -> app -> engine.
"""
