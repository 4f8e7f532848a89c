// Package classify owns what portsift counts: the flow table, the decision
// which side of a flow is the service, the per-service and per-bucket
// counters, and the Report built from them (table, JSON, CSV and the
// per-flow log).
//
// A Tracker is fed one decoded frame at a time (Observe) by a single
// goroutine; Run is the loop that reads a Source, decodes and observes.
// Time comes from packet timestamps only, so a trace always gives the same
// report.
package classify
