# A Python 2 script nobody ported.
print "importing"
