"""Detection quality: scoring spikes and alerts against labelled scenarios (`liqwatch eval`)."""
