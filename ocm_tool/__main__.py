from ocm_tool.cli import main

main()
