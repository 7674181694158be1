"""Cooperation: explainable matchmaking of needs and offers, and the glue between the
intervention catalogue and the cooperation registry (``aicap.warehouse.cooperation``)."""
