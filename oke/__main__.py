from oke.cli import main

main()
