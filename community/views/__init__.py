"""Views, one module per sub-domain (community.views.accounts, ...)."""
