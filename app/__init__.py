"""The web side of the Apprentice's Kitchen: pages, widgets and the JSON API.

``app.main`` wires the pieces, ``app.cli`` is the ``kitchen`` command. The
folders stand in layers, each importing only those below it: ``pages`` and
``api`` (the routes), ``story`` (the text), ``widgets``, then ``model_facts``,
``training`` and ``web``, which everything stands on (app/README.md has the
table). Data flows one way: content -> app -> engine.
"""
