"""Stand-ins for platforms that cannot run here, for tests and the demo.

Each double answers the way the platform's published API documentation and its official
SDK's types say it answers, including its error bodies. Connectors talk to a double through
their real HTTP code: either a small stateful server on loopback (Mastodon, for the demo
too) or, where only tests need it, the ``responses`` library intercepting ``requests``.
"""
