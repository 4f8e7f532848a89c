// Command portsift classifies packet captures by service. See README.md.
package main

import (
	"os"

	"github.com/portsift/portsift/cmd"
)

func main() { os.Exit(cmd.Main(os.Args[1:], cmd.SystemIO())) }
