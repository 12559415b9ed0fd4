from icsvc.cli import main

main()
