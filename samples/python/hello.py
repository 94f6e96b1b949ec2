from capsule import task


@task(name="main", compute="LOW", ram="64MB", timeout="10s")
def main(*args):
    who = args[0] if args else "world"
    return {"greeting": f"Hello, {who}!"}
