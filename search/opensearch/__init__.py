"""The scale-out face: the export to OpenSearch/Elasticsearch, the plan as Query DSL, and a search backend."""
