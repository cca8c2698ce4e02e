#!/usr/bin/env python3
"""Unit tests of the report generator, on synthetic result files."""
import json
import math
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prereg_report as pr  # noqa: E402
import prereg_fio  # noqa: E402
import prereg_iperf  # noqa: E402
import prereg_stats  # noqa: E402
import prereg_bottom  # noqa: E402


def stats(p50, n=100):
    return {"n": n, "min": p50 * 0.9, "p50": p50, "p90": p50 * 1.2, "p99": p50 * 1.5,
            "max": p50 * 2, "mean": p50 * 1.05, "stddev": p50 * 0.1}


def write_results(d, results, kernel="ours"):
    os.makedirs(os.path.join(d, f"mapbench-{kernel}"))
    doc = {"schema": pr.SCHEMA, "kernel": {"release": "6.12.95-prereg-ours", "page_size": 65536},
           "machine": {"cpu": "POWER9"}, "device": {"bdf": "0001:00:00.0", "iommu_group": 1},
           "iommu": {"dma32_size": 1 << 30, "iommu_page_size": 4096},
           "params": {"iterations": 100, "warmup": 10, "reps": 2}, "results": results}
    with open(os.path.join(d, f"mapbench-{kernel}", "mapbench.json"), "w") as f:
        json.dump(doc, f)
    th = {"mode": "emulated", "boot_to_command_s": 12, "command_s": 30,
          "l0": {"cpu": "x86", "ncpus": 2, "emulator": "QEMU 10.0.2", "accel": "tcg"},
          "l1": {"mem": "4G", "smp": 2},
          "kernel": {"release": "6.12.95-prereg-ours", "variant": "ours", "series_sha256_16": "abc",
                     "patches": [], "build": {"kind": "scratch", "seconds": 600, "jobs": 2}},
          "rootfs": {"suite": "bookworm+backports", "packages": {"qemu-system-ppc": "1:10.0.2"}}}
    with open(os.path.join(d, f"mapbench-{kernel}", "testhost.json"), "w") as f:
        json.dump(th, f)


class Helpers(unittest.TestCase):
    def test_fmt_ns_picks_unit(self):
        self.assertEqual(pr.fmt_ns(512), "512 ns")
        self.assertEqual(pr.fmt_ns(5300), "5.3 µs")
        self.assertEqual(pr.fmt_ns(2.5e6), "2.5 ms")
        self.assertEqual(pr.fmt_ns(3.2e9), "3.20 s")
        self.assertEqual(pr.fmt_ns(None), "n/a")

    def test_ratio_handles_zero_and_missing(self):
        self.assertAlmostEqual(pr.ratio(3, 4), 0.75)
        self.assertIsNone(pr.ratio(3, 0))
        self.assertIsNone(pr.ratio(None, 4))

    def test_rep_ratio_range_pairs_repetitions(self):
        # v2 reps 5, 9 against v1 reps 10, 10 -> ratios 0.5 and 0.9
        self.assertEqual(pr.rep_ratio_range([5, 9], [10, 10]), (0.5, 0.9))
        self.assertIsNone(pr.rep_ratio_range([], []))

    def test_gib_per_s(self):
        self.assertAlmostEqual(pr.gib_per_s(1 << 30, 5e8), 2.0)
        self.assertIsNone(pr.gib_per_s(1 << 30, 0))


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_map_ratio_and_spread(self):
        write_results(self.d, [
            {"case": "map", "mode": "v1", "op": "map", "pages": 1, "stats": stats(8000), "rep_p50": [7000, 9000]},
            {"case": "map", "mode": "v2", "op": "map", "pages": 1, "stats": stats(4000), "rep_p50": [3500, 4500]},
            {"case": "map", "mode": "v1", "op": "unmap", "pages": 1, "stats": stats(5000), "rep_p50": [5000, 5000]},
            {"case": "map", "mode": "v2", "op": "unmap", "pages": 1, "stats": stats(5000), "rep_p50": [5000, 5000]},
        ])
        md, data = pr.build_report(self.d, run_label="unit")
        row = [d for d in data["map"] if d["op"] == "map"][0]
        self.assertAlmostEqual(row["v2_over_v1"], 0.5)
        self.assertEqual(row["v2_over_v1_rep_range"], (0.5, 0.5))
        self.assertIn("| 1 | map | 8.0 µs (7.0 µs – 9.0 µs) | 4.0 µs (3.5 µs – 4.5 µs) | **0.50x**", md)
        self.assertIn("MAP_DMA of 1 page(s) takes 0.50x the time", md)
        self.assertIn("run `unit`", md)
        self.assertIn("6.12.95-prereg-ours", md)

    def test_register_throughput_and_vmlck(self):
        size = 256 << 20
        write_results(self.d, [
            {"case": "register", "mode": "v2", "op": "register", "bytes": size, "stats": stats(0.5e9),
             "vmlck_kib_before": 0, "vmlck_kib_registered": 262144, "vmlck_kib_after": 0},
            {"case": "register", "mode": "v2", "op": "unregister", "bytes": size, "stats": stats(0.25e9)},
            {"case": "register", "mode": "v2", "op": "touch_again", "bytes": size, "stats": stats(0.125e9)},
            {"case": "register", "mode": "v2", "op": "touch_first", "bytes": size, "stats": stats(1e9)},
        ])
        md, data = pr.build_report(self.d)
        r = data["register"][0]
        self.assertAlmostEqual(r["register_gib_s"], 0.5)
        self.assertAlmostEqual(r["unregister_gib_s"], 1.0)
        self.assertAlmostEqual(r["touch_again_gib_s"], 2.0)
        self.assertIn("| anon | 256 MiB | 500.0 ms | 0.50 |", md)
        self.assertIn("0 → 262144 → 0", md)

    def test_regions_relative_to_fewest(self):
        write_results(self.d, [
            {"case": "regions", "mode": "v2", "op": "map", "regions": 1, "stats": stats(4000)},
            {"case": "regions", "mode": "v2", "op": "unmap", "regions": 1, "stats": stats(3000)},
            {"case": "regions", "mode": "v2", "op": "map", "regions": 1024, "stats": stats(12000)},
            {"case": "regions", "mode": "v2", "op": "unmap", "regions": 1024, "stats": stats(3000)},
        ])
        md, data = pr.build_report(self.d)
        most = [d for d in data["regions"] if d["regions"] == 1024][0]
        self.assertAlmostEqual(most["map_vs_fewest"], 3.0)
        self.assertAlmostEqual(most["unmap_vs_fewest"], 1.0)
        self.assertIn("With 1024 registered regions a 1-page map costs 3.00x", md)

    def test_build_section_reads_rebuild_result(self):
        write_results(self.d, [])
        os.makedirs(os.path.join(self.d, "kernel-rebuild"))
        with open(os.path.join(self.d, "kernel-rebuild", "kernel-rebuild.json"), "w") as f:
            json.dump({"touched": "drivers/vfio/x.c", "seconds": 61.4, "jobs": 2,
                       "objects_compiled": 3}, f)
        md, data = pr.build_report(self.d)
        self.assertIn("Kernel build behind this run: scratch, 600 s on 2 jobs", md)
        self.assertIn("rebuilding vmlinux: 61 s on 2 jobs (3 objects compiled", md)
        self.assertEqual(data["build"]["one_file_rebuild"]["seconds"], 61.4)

    def test_ours_vs_upstream(self):
        write_results(self.d, [
            {"case": "map", "mode": "v2", "op": "map", "pages": 1, "stats": stats(3000), "rep_p50": [3000, 3300]},
            {"case": "regions", "mode": "v2", "op": "map", "regions": 1024, "pages": 1, "stats": stats(4000)},
        ])
        write_results(self.d, [
            {"case": "map", "mode": "v2", "op": "map", "pages": 1, "stats": stats(6000), "rep_p50": [6000, 5500]},
            {"case": "regions", "mode": "v2", "op": "map", "regions": 1024, "pages": 1, "stats": stats(16000)},
        ], kernel="upstream")
        md, data = pr.build_report(self.d)
        rows = {(r["case"], r["regions"]): r for r in data["ours_vs_upstream"]}
        self.assertAlmostEqual(rows[("map", None)]["ours_over_upstream"], 0.5)
        self.assertEqual(rows[("map", None)]["rep_range"], (0.5, 0.6))
        self.assertAlmostEqual(rows[("regions", 1024)]["ours_over_upstream"], 0.25)
        self.assertIn("| regions | v2 | 1024 regions | map | 16.0 µs | 4.0 µs | **0.25x**", md)

    def test_goals_met_missed_and_inconclusive(self):
        gib = 1 << 30
        ours = [
            {"case": "regions", "mode": "v2", "op": "map_unmap", "regions": 1, "pages": 1, "stats": stats(9000),
             "rep_p50": [9000, 9100, 9050]},
            {"case": "regions", "mode": "v2", "op": "map_unmap", "regions": 1024, "pages": 1, "stats": stats(10000),
             "rep_p50": [10000, 10100, 9900]},
            {"case": "register", "mode": "v2", "op": "register", "backing": "anon", "bytes": 4 * gib,
             "stats": stats(1e7)},
            {"case": "register", "mode": "v2", "op": "touch_again", "backing": "anon", "bytes": 4 * gib,
             "stats": stats(8e7)},
        ]
        up = [
            {"case": "regions", "mode": "v2", "op": "map_unmap", "regions": 1, "pages": 1, "stats": stats(9000),
             "rep_p50": [9000, 9000, 9000]},
            {"case": "regions", "mode": "v2", "op": "map_unmap", "regions": 1024, "pages": 1, "stats": stats(30000),
             "rep_p50": [30000, 29000, 31000]},
            {"case": "register", "mode": "v2", "op": "register", "backing": "anon", "bytes": 4 * gib,
             "stats": stats(2e7)},
        ]
        write_results(self.d, ours)
        write_results(self.d, up, kernel="upstream")
        md, data = pr.build_report(self.d)
        g = {x["goal"]: x for x in data["goals"]}
        # Speed-ups throughout: upstream's time over ours
        one = g["1-page MAP+UNMAP p50, 1 region(s): speed-up of ours over upstream"]
        self.assertAlmostEqual(one["value"], 9000 / 9050, delta=1e-3)
        self.assertLess(one["ci"][1], 1.05)
        self.assertEqual(one["verdict"], "missed")
        self.assertIn("Why: One page costs a syscall", one["detail"])
        many = g["1-page MAP+UNMAP p50, 1024 region(s): speed-up of ours over upstream"]
        self.assertAlmostEqual(many["value"], 3.0, delta=1e-2)
        self.assertGreaterEqual(many["ci"][0], 2.0)
        self.assertEqual(many["verdict"], "met")
        anon = g["REGISTER throughput, anon: ours / upstream"]
        self.assertAlmostEqual(anon["value"], 2.0)
        self.assertEqual(anon["verdict"], "inconclusive (one repetition)")
        self.assertIn("userspace touching the same pages 50.0 GiB/s", anon["detail"])
        self.assertEqual(g["REGISTER throughput, hugetlb: ours / upstream"]["verdict"], "n/a (not measured)")
        self.assertIn("Kernel goals against upstream: 1 of 3 measured goals met, 1 missed, 1 inconclusive", md)

    def test_register_goal_with_an_unsteady_control_is_inconclusive(self):
        gib = 1 << 30
        ours = [{"case": "register", "mode": "v2", "op": "register", "backing": "hugetlb", "bytes": 4 * gib,
                 "stats": stats(1e7), "rep_p50": [1e7, 1.01e7, 0.99e7]},
                {"case": "register", "mode": "v2", "op": "touch_again", "backing": "hugetlb", "bytes": 4 * gib,
                 "stats": stats(2e8), "rep_p50": [1.96e8, 1.80e8, 1.98e8]}]
        up = [{"case": "register", "mode": "v2", "op": "register", "backing": "hugetlb", "bytes": 4 * gib,
               "stats": stats(3e7), "rep_p50": [3e7, 3.1e7, 2.9e7]},
              {"case": "register", "mode": "v2", "op": "touch_again", "backing": "hugetlb", "bytes": 4 * gib,
               "stats": stats(1.6e7), "rep_p50": [1.85e8, 1.62e7, 1.59e7]}]
        write_results(self.d, ours)
        write_results(self.d, up, kernel="upstream")
        _, data = pr.build_report(self.d)
        g = {x["goal"]: x for x in data["goals"]}["REGISTER throughput, hugetlb: ours / upstream"]
        # 3x with a tight interval would be met, but upstream's control moved 12x within its run
        self.assertGreaterEqual(g["ci"][0], 2.0)
        self.assertEqual(g["verdict"], "inconclusive (control differs)")
        self.assertIn("unsteady in the upstream run", g["detail"])
        self.assertNotIn("unsteady in the ours run", g["detail"])

    def test_steady_control_leaves_the_verdict(self):
        self.assertEqual(pr.control_problem({"rep_p50": [100, 101, 99], "stats": stats(100)},
                                            {"rep_p50": [102, 98, 100], "stats": stats(100)}), "")
        self.assertIn("differs between the runs",
                      pr.control_problem({"rep_p50": [100, 101, 99], "stats": stats(100)},
                                         {"rep_p50": [300, 301, 299], "stats": stats(300)}))

    def test_l2_window_section(self):
        write_results(self.d, [])
        for k, secs, tces, reg_us, run_s in (("ours", 2.0, 262144, 320000, 40),
                                             ("upstream", 5.0, None, 990000, 47)):
            os.makedirs(os.path.join(self.d, f"l2-window-{k}"))
            with open(os.path.join(self.d, f"l2-window-{k}", "l2-window.json"), "w") as f:
                json.dump({"schema": "prereg-l2-window/1", "runs": [
                    {"ram_bytes": 1 << 30, "ddw_seconds": secs, "mapped_tces_max": tces, "direct_mapping": 1,
                     "nvme_direct_mapping": 1, "data_ok": True, "qemu_register_us": reg_us,
                     "l2_run_seconds": run_s}]}, f)
        md, data = pr.build_report(self.d)
        row = data["l2_window"][0]
        self.assertAlmostEqual(row["ours_over_upstream"], 0.4)
        self.assertAlmostEqual(row["ours_ns_per_tce"], 2e9 / 262144)
        self.assertIn("| 1024 MiB | 5.00 s | 2.00 s | 0.40x | 1 / 1; 1 / 1 | 262144 | 7.6 µs | "
                      "990.0 ms; 320.0 ms | 47 s; 40 s | intact |", md)
        self.assertEqual(row["qemu_register_us"], {"upstream": 990000, "ours": 320000})

    def test_l2_window_no_per_tce_when_the_nvme_maps_per_io(self):
        write_results(self.d, [])
        os.makedirs(os.path.join(self.d, "l2-window-ours"))
        with open(os.path.join(self.d, "l2-window-ours", "l2-window.json"), "w") as f:
            json.dump({"schema": "prereg-l2-window/1", "runs": [
                {"ram_bytes": 1 << 30, "ddw_seconds": 0.015, "mapped_tces_max": 24, "direct_mapping": 1,
                 "nvme_direct_mapping": 0, "data_ok": True}]}, f)
        md, data = pr.build_report(self.d)
        self.assertIsNone(data["l2_window"][0]["ours_ns_per_tce"])
        # Older results have no registration or run time: n/a, not zero
        self.assertIn("| n/a | 15.0 ms | n/a | n/a; 1 / 0 | 24 | n/a | n/a; n/a | n/a; n/a | intact |", md)

    def test_components_are_copied_and_named(self):
        write_results(self.d, [])
        rec = os.path.join(self.d, "qemu.json")
        with open(rec, "w") as f:
            json.dump({"version": "10.0.2", "source": "qemu_10.0.2+ds.orig.tar.xz", "debian_version": "1:10.0.2",
                       "series_sha256_16": "abcd", "patches": ["0001-a.patch", "0002-b.patch"],
                       "build": {"kind": "incremental", "seconds": 21, "jobs": 2}}, f)
        out = os.path.join(self.d, "out")
        self.assertEqual(pr.main(["--results", self.d, "--out", out, "--component", rec]), 0)
        self.assertTrue(os.path.exists(os.path.join(self.d, "components", "qemu.json")))
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertIn("- **Our QEMU:** 10.0.2 from Debian `qemu_10.0.2+ds.orig.tar.xz` (1:10.0.2) + 2 patches, "
                      "series hash `abcd`; build incremental in 21 s on 2 jobs.", md)
        self.assertEqual(pr.main(["--results", self.d, "--out", out, "--component", rec + ".missing"]), 1)

    def test_html_page_has_tables_and_plots(self):
        write_results(self.d, [
            {"case": "map", "mode": m, "op": "map_unmap", "pages": p, "stats": stats(1000 * p * f),
             "rep_p50": [900 * p * f, 1100 * p * f]}
            for m, f in (("v1", 2), ("v2", 1)) for p in (1, 16)] + [
            {"case": "regions", "mode": "v2", "op": "map_unmap", "regions": n, "stats": stats(9000)}
            for n in (1, 1024)])
        os.makedirs(os.path.join(self.d, "out"))
        self.assertEqual(pr.main(["--results", self.d, "--out", os.path.join(self.d, "out")]), 0)
        with open(os.path.join(self.d, "out", "report.html")) as f:
            page = f.read()
        self.assertTrue(page.startswith("<!DOCTYPE html>"))
        # map latency, its distribution and regions; no registration rows
        self.assertEqual(page.count("<svg"), 3)
        self.assertIn("latency distribution", page)
        self.assertIn("MAP_DMA + UNMAP_DMA latency by size", page)
        self.assertIn("<table>", page)
        self.assertLess(page.index("<h2>Plots</h2>"), page.index("<h2>What ran</h2>"))

    def test_uapi_lines(self):
        write_results(self.d, [])
        for k, cases in (("ours", [{"id": "a", "ok": True}, {"id": "b", "ok": True}]),
                         ("upstream", [{"id": "a", "ok": True}, {"id": "b", "ok": False}])):
            os.makedirs(os.path.join(self.d, f"uapi-{k}"))
            with open(os.path.join(self.d, f"uapi-{k}", "uapi.json"), "w") as f:
                json.dump({"kernel": {"release": k}, "cases": cases}, f)
        md, _ = pr.build_report(self.d)
        self.assertIn("uAPI selftest on upstream (`upstream`): 1 of 2 cases as specified; differs in b.", md)
        self.assertIn("uAPI selftest on ours (`ours`): 2 of 2 cases as specified.", md)

    def test_uapi_lines_of_the_harness_stream(self):
        write_results(self.d, [])
        os.makedirs(os.path.join(self.d, "uapi-ours"))
        with open(os.path.join(self.d, "uapi-ours", "uapi.json"), "w") as f:
            f.write('{"schema":"prereg-uapi/2","kernel":{"release":"k"}}\n'
                    '{"test":"t","id":"a","ok":true}\n{"test":"t","id":"b","ok":false}\n')
        md, _ = pr.build_report(self.d)
        self.assertIn("uAPI selftest on ours (`k`): 1 of 2 cases as specified; differs in b.", md)
        with open(os.path.join(self.d, "uapi-ours", "uapi.json"), "a") as f:
            f.write('{"id": ')
        with self.assertRaisesRegex(pr.ReportError, "not valid uAPI selftest JSON"):
            pr.build_report(self.d)

    def test_missing_results_is_a_clear_error(self):
        with self.assertRaisesRegex(pr.ReportError, "missing result file: .*mapbench.json"):
            pr.build_report(self.d)

    def test_wrong_schema_is_refused(self):
        write_results(self.d, [])
        p = os.path.join(self.d, "mapbench-ours", "mapbench.json")
        doc = json.load(open(p))
        doc["schema"] = "something-else/9"
        json.dump(doc, open(p, "w"))
        with self.assertRaisesRegex(pr.ReportError, "schema"):
            pr.build_report(self.d)

    def test_main_writes_files_and_fails_cleanly(self):
        out = os.path.join(self.d, "out")
        self.assertEqual(pr.main(["--results", self.d, "--out", out]), 1)
        write_results(self.d, [])
        self.assertEqual(pr.main(["--results", self.d, "--out", out]), 0)
        self.assertTrue(os.path.exists(os.path.join(out, "report.md")))
        json.load(open(os.path.join(out, "report.json")))


def fio_doc(job, iops, p99=100000):
    side = {"iops": iops, "bw": iops * 4, "clat_ns": {"percentile": {"50.000000": 50000, "99.000000": p99}}}
    empty = {"iops": 0, "bw": 0, "clat_ns": {"percentile": {}}}
    write = "write" in job
    # 20% usr + 30% sys of one CPU, so that CPU per I/O is 0.5 / IOPS seconds
    return {"jobs": [{"jobname": job, "read": empty if write else side, "write": side if write else empty,
                      "usr_cpu": 20.0, "sys_cpu": 30.0}]}


def write_fio(d, runs):
    """runs: (kind, dma, mode, rep, job, iops)"""
    os.makedirs(os.path.join(d, "l2-fio", "fio"))
    idx = []
    for kind, dma, mode, rep, job, iops in runs:
        f = f"{kind}-{dma}-{mode}-rep{rep}-{job}.json"
        with open(os.path.join(d, "l2-fio", "fio", f), "w") as fh:
            json.dump(fio_doc(job, iops), fh)
        idx.append({"kind": kind, "dma": dma, "mode": mode, "rep": rep, "job": job, "file": f"fio/{f}"})
    with open(os.path.join(d, "l2-fio", "l2-fio.json"), "w") as fh:
        json.dump({"schema": "prereg-l2-fio/1", "reps": 2, "runtime_s": 10, "ramp_s": 2, "runs": idx}, fh)


class Fio(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        j = "randread-4k-qd1"
        write_fio(self.d, [
            ("ceiling", "none", "host", 1, j, 1000), ("ceiling", "none", "host", 2, j, 1200),
            ("l2", "dynamic", "on", 1, j, 900), ("l2", "dynamic", "off", 1, j, 600),
            ("l2", "dynamic", "on", 2, j, 700), ("l2", "dynamic", "off", 2, j, 500),
            ("l2", "default", "on", 1, "randwrite-4k-qd1", 300),
            ("l2", "default", "off", 1, "randwrite-4k-qd1", 300)])

    def tearDown(self):
        self.tmp.cleanup()

    def test_write_jobs_read_the_write_side(self):
        p = os.path.join(self.d, "l2-fio", "fio", "l2-default-on-rep1-randwrite-4k-qd1.json")
        self.assertEqual(prereg_fio.fio_summary(p)["iops"], 300)

    def test_medians_ratios_and_per_rep_range(self):
        _, rows = prereg_fio.load(self.d)
        c = next(c for c in prereg_fio.compare(rows) if c["dma"] == "dynamic")
        self.assertEqual(c["prereg_iops"], 800)       # median of 900, 700
        self.assertEqual(c["nonprereg_iops"], 550)    # median of 600, 500
        self.assertAlmostEqual(c["prereg_over_nonprereg"], 800 / 550)
        self.assertEqual(c["per_rep_range"], [1.4, 1.5])  # 700/500, 900/600
        self.assertAlmostEqual(c["prereg_over_ceiling"], 800 / 1100)
        self.assertEqual(c["prereg_range"], [700, 900])
        # Guest CPU per I/O: half a CPU over 900 and 700 IOPS, median of the two
        self.assertAlmostEqual(c["prereg_cpu_us_per_io"], (0.5 / 900 + 0.5 / 700) / 2 * 1e6)
        self.assertAlmostEqual(c["nonprereg_cpu_us_per_io"], (0.5 / 600 + 0.5 / 500) / 2 * 1e6)

    def test_order_is_read_from_the_index(self):
        md, _, _ = prereg_fio.section(self.d)
        self.assertIn("run A B A B;", md[0])
        p = os.path.join(self.d, "l2-fio", "l2-fio.json")
        with open(p) as f:
            idx = json.load(f)
        for i, r in enumerate(idx["runs"]):
            r["seq"] = i
        with open(p, "w") as f:
            json.dump(idx, f)
        md, _, _ = prereg_fio.section(self.d)
        self.assertIn("run A B B A (odd repetitions preregistered first", md[0])

    def test_goals_verdicts(self):
        _, _, goals = prereg_fio.section(self.d)
        g = {x["goal"]: x for x in goals}
        vs_non = g["fio 4k random read, QD1, dynamic DMA: prereg / non-prereg"]
        vs_ceil = g["fio 4k random read, QD1, dynamic DMA: prereg / L1 ceiling"]
        # Pairs 1.4 and 1.5: both above 1.3, but two pairs give a t interval
        # (1 degree of freedom, t = 12.706) far too wide to claim the goal
        logs = [math.log(1.4), math.log(1.5)]
        half = 12.706 * abs(logs[0] - logs[1]) / math.sqrt(2) / math.sqrt(2)
        self.assertEqual(vs_non["verdict"], "inconclusive")
        self.assertAlmostEqual(vs_non["value"], math.sqrt(1.4 * 1.5))
        self.assertAlmostEqual(vs_non["ci"][0], math.exp(sum(logs) / 2 - half), places=3)
        self.assertAlmostEqual(vs_non["ci"][1], math.exp(sum(logs) / 2 + half), places=3)
        # 800 / 1100 = 0.73, but two repetitions a side straddle 0.8
        self.assertEqual(vs_ceil["verdict"], "inconclusive")
        self.assertLess(vs_ceil["ci"][0], 0.8)
        self.assertGreater(vs_ceil["ci"][1], 0.8)
        self.assertAlmostEqual(vs_ceil["value"], math.sqrt(700 * 900) / math.sqrt(1000 * 1200))
        qd32 = g["fio 4k random read, QD32, dynamic DMA: prereg / non-prereg"]
        self.assertEqual(qd32["verdict"], "n/a (not measured)")

    def test_missing_fio_file_is_an_error(self):
        os.remove(os.path.join(self.d, "l2-fio", "fio", "l2-dynamic-on-rep1-randread-4k-qd1.json"))
        with self.assertRaises(prereg_fio.FioError):
            prereg_fio.load(self.d)

    def test_not_run_gives_no_section(self):
        with tempfile.TemporaryDirectory() as empty:
            self.assertEqual(prereg_fio.section(empty), ([], [], []))

    def test_plot_is_svg(self):
        # default mode has no workload with a ceiling: one plot, dynamic
        plots = prereg_fio.plots(self.d)
        self.assertEqual(len(plots), 1)
        self.assertIn("dynamic", plots[0][0])
        self.assertIn("<svg", plots[0][1])


class Iperf(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        write_fio(self.d, [("l2", "dynamic", "on", 1, "randread-4k-qd1", 500),
                           ("l2", "dynamic", "off", 1, "randread-4k-qd1", 400)])
        idx_p = os.path.join(self.d, "l2-fio", "l2-fio.json")
        with open(idx_p) as f:
            idx = json.load(f)
        for mode, rep, bps in (("on", 1, 600e6), ("off", 1, 400e6), ("on", 2, 500e6), ("off", 2, 500e6)):
            name = f"fio/l2-dynamic-{mode}-rep{rep}-iperf3-P1.json"
            with open(os.path.join(self.d, "l2-fio", name), "w") as f:
                # Three 1 s intervals; the v1 run of rep 1 stalls in its second
                stall = mode == "off" and rep == 1
                ivals = [{"sum": {"bits_per_second": bps, "seconds": 1.0}},
                         {"sum": {"bits_per_second": 0 if stall else bps, "seconds": 4.5 if stall else 1.0}},
                         {"sum": {"bits_per_second": bps, "seconds": 1.0}}]
                json.dump({"intervals": ivals,
                           "end": {"sum_received": {"bits_per_second": bps, "seconds": 6.5 if stall else 3.0},
                                   "sum_sent": {"retransmits": 3}}}, f)
            idx["runs"].append({"kind": "l2", "dma": "dynamic", "mode": mode, "rep": rep, "job": "iperf3-P1",
                                "file": name})
        with open(idx_p, "w") as f:
            json.dump(idx, f)

    def tearDown(self):
        self.tmp.cleanup()

    def test_each_run_shows_its_stalls(self):
        p = os.path.join(self.d, "l2-fio", "fio", "l2-dynamic-off-rep1-iperf3-P1.json")
        s = prereg_iperf.iperf_summary(p)
        self.assertEqual((s["intervals"], s["zero_intervals"], s["min_interval_bps"]), (3, 1, 0))
        self.assertEqual((s["longest_interval_s"], s["seconds"], s["retransmits"]), (4.5, 6.5, 3))
        md, _, _ = prereg_iperf.section(self.d)
        self.assertIn("| dynamic | non-prereg | 1 | TCP, 1 stream | 400 | 3 | 3 | 1 | 0 Mbit/s | 4.5 s | 6.5 s |",
                      md)
        self.assertIn("| dynamic | prereg | 1 | TCP, 1 stream | 600 | 3 | 3 | 0 | 600 Mbit/s | 1.0 s | 3.0 s |",
                      md)

    def test_fio_ignores_iperf_runs(self):
        _, rows = prereg_fio.load(self.d)
        self.assertEqual({r["job"] for r in rows}, {"randread-4k-qd1"})

    def test_ratio_range_and_goal(self):
        md, data, goals = prereg_iperf.section(self.d)
        c = data[0]
        self.assertEqual(c["prereg_bps"], 550e6)
        self.assertEqual(c["nonprereg_bps"], 450e6)
        self.assertEqual(c["per_rep_range"], [1.0, 1.5])
        self.assertEqual(c["prereg_range"], [500e6, 600e6])
        self.assertEqual(c["nonprereg_range"], [400e6, 500e6])
        g = {x["goal"]: x for x in goals}
        # Pairs 1.5 and 1.0: geometric mean sqrt(1.5); the t interval (1 degree
        # of freedom) spans far across no change
        one = g["iperf3 TCP, 1 stream, dynamic DMA: prereg / non-prereg"]
        centre, half = math.log(1.5) / 2, 12.706 * (math.log(1.5) / math.sqrt(2)) / math.sqrt(2)
        self.assertEqual(one["verdict"], "inconclusive")
        self.assertAlmostEqual(one["ci"][0], math.exp(centre - half), places=3)
        self.assertAlmostEqual(one["ci"][1], math.exp(centre + half), places=3)
        self.assertIn(f"{math.sqrt(1.5):.2f}x [{math.exp(centre - half):.2f}x, {math.exp(centre + half):.2f}x]",
                      "\n".join(md))
        self.assertEqual(g["iperf3 TCP, 4 streams, dynamic DMA: prereg / non-prereg"]["verdict"],
                         "n/a (not measured)")

    def test_plot_has_both_modes(self):
        (title, svg), = prereg_iperf.plots(self.d)
        self.assertIn("iperf3", title)
        self.assertIn("<svg", svg)
        self.assertIn("dynamic DMA, TCP, 1 stream", svg)
        self.assertIn("non-preregistered (v1)", svg)

    def test_summary_names_the_nic_ratio(self):
        write_results(self.d, [])
        md, _ = pr.build_report(self.d)
        # The paired geometric mean and its interval, as in the iperf3 table
        centre, half = math.log(1.5) / 2, 12.706 * (math.log(1.5) / math.sqrt(2)) / math.sqrt(2)
        self.assertIn(f"one TCP stream carries {math.sqrt(1.5):.2f}x [{math.exp(centre - half):.2f}x, "
                      f"{math.exp(centre + half):.2f}x] the throughput with preregistration "
                      "(geometric mean of paired repetitions, 95% interval", md)

    def test_iperf_error_is_reported(self):
        p = os.path.join(self.d, "l2-fio", "fio", "l2-dynamic-on-rep1-iperf3-P1.json")
        with open(p, "w") as f:
            json.dump({"error": "unable to connect to server"}, f)
        with self.assertRaises(prereg_iperf.IperfError):
            prereg_iperf.load(self.d)



class Stats(unittest.TestCase):
    def test_paired_geometric_mean_and_t_interval(self):
        r = prereg_stats.paired({1: 150, 2: 140, 3: 145}, {1: 100, 2: 100, 3: 100})
        self.assertEqual(r["n"], 3)
        logs = [math.log(1.5), math.log(1.4), math.log(1.45)]
        mean = sum(logs) / 3
        sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 2)
        half = 4.303 * sd / math.sqrt(3)          # t, 2 degrees of freedom
        self.assertAlmostEqual(r["value"], (1.5 * 1.4 * 1.45) ** (1 / 3))
        self.assertAlmostEqual(r["ci"][0], math.exp(mean - half))
        self.assertAlmostEqual(r["ci"][1], math.exp(mean + half))
        # Five tight pairs clear a 1.3x goal; the same centre from two does not
        five = prereg_stats.paired({i: v for i, v in enumerate([140, 142, 145, 143, 141])},
                                   {i: 100 for i in range(5)})
        self.assertEqual(prereg_stats.verdict(five, 1.3), "met")
        two = prereg_stats.paired({1: 140, 2: 145}, {1: 100, 2: 100})
        self.assertEqual(prereg_stats.verdict(two, 1.3), "inconclusive")
        # Only the repetitions both sides have are paired
        self.assertEqual(prereg_stats.paired({1: 2, 2: 3}, {2: 1})["n"], 1)
        self.assertIsNone(prereg_stats.paired({1: 2}, {2: 1}))

    def test_unpaired_welch_interval(self):
        # Equal spread and size on both sides: Welch's df is 2 (n - 1) * 2 = 4
        r = prereg_stats.unpaired([200, 220, 180], [100, 110, 90])
        logs_a = [math.log(v) for v in (200, 220, 180)]
        logs_b = [math.log(v) for v in (100, 110, 90)]
        def var(xs):
            m = sum(xs) / len(xs)
            return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
        se = math.sqrt(var(logs_a) / 3 + var(logs_b) / 3)
        centre = sum(logs_a) / 3 - sum(logs_b) / 3
        self.assertAlmostEqual(r["value"], math.exp(centre))
        self.assertAlmostEqual(r["ci"][0], math.exp(centre - 2.776 * se))
        self.assertAlmostEqual(r["ci"][1], math.exp(centre + 2.776 * se))
        self.assertEqual(prereg_stats.t975(4), 2.776)
        self.assertEqual(prereg_stats.t975(11), 2.228)    # between rows: the wider one
        self.assertEqual(prereg_stats.t975(500), 1.960)

    def test_same_input_same_interval(self):
        a = prereg_stats.unpaired([5, 7, 6, 9], [3, 4, 4.5])
        b = prereg_stats.unpaired([5, 7, 6, 9], [3, 4, 4.5])
        self.assertEqual(a["ci"], b["ci"])
        self.assertLessEqual(a["ci"][0], a["value"])
        self.assertGreaterEqual(a["ci"][1], a["value"])

    def test_verdicts_follow_the_interval(self):
        v = prereg_stats.verdict
        self.assertEqual(v({"value": 1.6, "ci": [1.31, 1.9]}, 1.3), "met")
        self.assertEqual(v({"value": 1.1, "ci": [1.0, 1.25]}, 1.3), "missed")
        self.assertEqual(v({"value": 1.37, "ci": [0.98, 1.52]}, 1.3), "inconclusive")
        self.assertEqual(v({"value": 1.37, "ci": None}, 1.3), "inconclusive (one repetition)")
        self.assertEqual(v(None, 1.3), "n/a (not measured)")
        # A speed-up goal is never met on an interval that includes no change
        self.assertEqual(v({"value": 1.2, "ci": [1.0, 1.4]}, 1.0), "met")
        self.assertEqual(v({"value": 1.2, "ci": [0.99, 1.4]}, 1.0), "inconclusive")
        self.assertEqual(v({"value": 1.0, "ci": [1.0, 1.0]}, 1.05), "missed")
        # A "no worse than 0.8x" goal can be met with no change in the interval
        self.assertEqual(v({"value": 1.0, "ci": [0.85, 1.1]}, 0.8), "met")

    def test_inverse_turns_times_into_speed_ups(self):
        r = prereg_stats.inverse({"value": 0.5, "ci": [0.25, 0.8]})
        self.assertAlmostEqual(r["value"], 2.0)
        self.assertAlmostEqual(r["ci"][0], 1.25)
        self.assertAlmostEqual(r["ci"][1], 4.0)
        self.assertEqual(prereg_stats.fmt(r), "2.00x [1.25x, 4.00x]")


class BottomLine(unittest.TestCase):
    def test_reading_needs_the_whole_interval_on_one_side(self):
        self.assertEqual(prereg_bottom.effect({"value": 1.8, "ci": (0.83, 3.9)}),
                         "no difference shown (the interval includes 1)")
        self.assertEqual(prereg_bottom.effect({"value": 1.15, "ci": (1.06, 1.26)}),
                         "better with preregistration")
        self.assertEqual(prereg_bottom.effect({"value": 0.8, "ci": (0.7, 0.9)}),
                         "worse with preregistration")
        self.assertEqual(prereg_bottom.effect({"value": 1.2, "ci": None}), "one repetition: no interval")
        self.assertEqual(prereg_bottom.effect(None), "not measured")

    def test_default_mode_says_the_window_is_mixed_in(self):
        self.assertIn("64-bit window", prereg_bottom.effect({"value": 1.3, "ci": (1.2, 1.4)}, "default"))
        self.assertNotIn("64-bit window", prereg_bottom.effect({"value": 1.3, "ci": (1.2, 1.4)}, "dynamic"))

    def test_rows_come_from_the_sections(self):
        fio = [{"dma": "dynamic", "job": "randread-4k-qd1", "paired": {"value": 1.1, "ci": (0.9, 1.3)}}]
        goals = [{"goal": "4096-page MAP+UNMAP p50, speed-up of our v2 over upstream v2", "value": 30.0,
                  "ci": (29.0, 31.0), "verdict": "met"},
                 {"goal": "REGISTER throughput, anon: ours / upstream", "value": 1.0, "ci": None,
                  "verdict": "inconclusive"}]
        l2 = [{"ram_bytes": 1 << 30, "qemu_register_us": {"ours": 1500000, "upstream": None}}]
        md, data = prereg_bottom.section(fio, [], goals, l2)
        text = "\n".join(md)
        self.assertIn("| 1.10x [0.90x, 1.30x] | no difference shown", text)
        self.assertIn("| 30.00x [29.00x, 31.00x] | goal met |", text)
        self.assertNotIn("REGISTER throughput", text)
        self.assertIn("1024 MiB guest's RAM at start (ours; upstream kernel) | 1.50 s; n/a |", text)
        self.assertEqual(len(data["buys"]), 1)
        self.assertEqual(data["costs"][0]["ours_us"], 1500000)

if __name__ == "__main__":
    unittest.main()
