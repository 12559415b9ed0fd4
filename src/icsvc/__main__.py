from icsvc.cli.entry import script

script()
