import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DLTEACH_HOSTED", "0")
os.environ.setdefault("DLTEACH_OFFLINE", "1")  # tests never download; loaders are tested on files the tests write
