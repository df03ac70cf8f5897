from oke.cli import app

app(prog_name="oke")
