// Package linediff shows where two multi-line texts (reports, flow logs)
// first differ, for the messages of tests that compare them.
package linediff
