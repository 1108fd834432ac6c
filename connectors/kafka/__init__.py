"""Publishing canonical records to liqwatch's Kafka topics."""
