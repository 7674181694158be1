"""Publishers: one small module per publisher, each with a pure ``parse`` (and a ``fetch``)."""
