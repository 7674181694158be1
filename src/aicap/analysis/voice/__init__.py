"""Country voice (issue 20): checks of national submissions and error reports against the
framework and the warehouse, the two views of the index (international open data only, and
with accepted national submissions), the review profile and the demonstration flow."""
