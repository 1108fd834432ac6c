"""Sources of liqwatch: exchange feeds, news and recorded files, published to Kafka.

Depends only on the record schema in `streams`.
"""
