// Package metrics is portsift's Prometheus exporter: a scrape-time
// Collector over the newest report.Snapshot (report.Latest) and the
// /metrics handler, in the shape of node_exporter's collectors. It is the
// only package that imports the Prometheus client library, so the counting
// API (classify) links without it.
package metrics
