package main

import (
	"os"

	"github.com/portsift/portsift/cmd/internal/cli"
)

func main() {
	cli.StartGC()
	os.Exit(cli.Main(os.Args[1:], cli.SystemIO()))
}
