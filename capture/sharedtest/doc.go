// Package sharedtest finds the project's shared test data: the public
// traces and registry sources in ../shared beside the checkout (see
// ../shared/traces/README.md). Those files are never copied into the
// repository, and a clone without them (what every user has) must still
// pass its tests: every test that reads them goes through this package and
// skips, saying why, when they are absent.
//
// The environment variable PORTSIFT_SHARED overrides the location; CI sets
// it to an empty directory for one run to check exactly that.
package sharedtest
