// Command portsift classifies packet captures by service. See README.md.
package main
