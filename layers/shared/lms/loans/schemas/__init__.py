"""HTTP request and response models of the loan routes."""
