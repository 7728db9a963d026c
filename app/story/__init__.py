"""The story's text: content/{zh,en}/*.md turned into HTML once at start-up, with
its widgets in place, the glossary and the video scripts.
"""
