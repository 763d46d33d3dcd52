"""LOG: authentication failures and denials that leave no trace in the logs."""
