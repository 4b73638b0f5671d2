from screenbot.cli import main

main()
