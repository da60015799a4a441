print("start")
print("café")
