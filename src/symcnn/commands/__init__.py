"""One module per `symcnn` sub-command (see :data:`symcnn.cli.COMMANDS`)."""
