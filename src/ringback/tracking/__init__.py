"""Are calls returned? Outbound attempts, their outcomes, return-rate statistics and follow-up."""
