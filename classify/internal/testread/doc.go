// Package testread gives the tests of classify's sub-packages (report,
// render, metrics) real reports of the bundled traces (read with
// classify/pipeline), their frames, and the golden files.
package testread
