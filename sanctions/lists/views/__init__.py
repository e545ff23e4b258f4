"""Pages of lists: the staff's desk (``desk``) and the public credit-system pages (``public``)."""
