"""Dispatch: the command centre, policies that choose depots and loads, truckloads, work handed to teams."""
