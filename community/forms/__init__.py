"""Forms, one module per sub-domain (community.forms.accounts, ...)."""
