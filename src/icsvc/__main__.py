from icsvc.cli.app import main

main()
