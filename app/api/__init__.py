"""The JSON API: the engine's routes, every widget's JSON twin and the live
practice stream (Server-Sent Events).
"""
