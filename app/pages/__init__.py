"""Every HTML answer: the story's pages and their routes, the widget fragments
htmx swaps in, the embed page and oEmbed, the share cards and feeds, and the
crawlers' robots.txt and sitemap.
"""
