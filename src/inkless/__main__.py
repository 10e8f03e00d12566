from inkless.cli import main

main()
