from icsvc.cli.entry import main

main()
