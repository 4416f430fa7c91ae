"""The console filter: TensorFlow's C++ records go, everything else stays."""

from tfgan_lab import console


def test_without_tensorflow_log_keeps_all_but_the_records():
    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to "
        "STDERR\n"
        "I0000 00:00:1796188134.405365    2532 port.cc:153] oneDNN custom operations are on.\n"
        "E0000 00:00:1796188138.272183    2532 cuda_platform.cc:52] failed call to cuInit\n"
        "I0000 00:00:1796188134.473058    2532 cpu_feature_guard.cc:227] This TensorFlow "
        "binary is optimized\n"
        "To enable the following instructions: AVX2 AVX512F, in other operations, rebuild.\n"
        "W1202 05:17:21.123456 140 caae.py:210] A CAAE without its encoder: nothing exported.\n"
        "/usr/lib/python3/warnings.py:1: UserWarning: something\n")
    assert console.without_tensorflow_log(text) == (
        "W1202 05:17:21.123456 140 caae.py:210] A CAAE without its encoder: nothing exported.\n"
        "/usr/lib/python3/warnings.py:1: UserWarning: something\n")


def test_wants_tf_log_reads_absl_boolean_spellings():
    assert console.wants_tf_log(["main.py", "--tf_log"])
    assert console.wants_tf_log(["main.py", "--tf_log=true"])
    assert not console.wants_tf_log(["main.py", "--tf_log", "--notf_log"])
    assert not console.wants_tf_log(["main.py", "--tf_log=false"])
    assert not console.wants_tf_log(["main.py", "--mode=train"])
