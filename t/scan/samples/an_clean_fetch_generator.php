<?php
// spamgear test sample (clean): a maintainer's script that regenerates a
// PHP map from a published JSON list, and saves a downloaded archive.
$list = json_decode(file_get_contents('https://cdn.example.org/mime-db.json'), true);
$map = array();
foreach ($list as $type => $info) {
    $map[$type] = isset($info['extensions']) ? $info['extensions'] : array();
}
file_put_contents(__DIR__ . '/mimes.php', "<?php\nreturn " . var_export($map, true) . ";\n");
file_put_contents(__DIR__ . '/update.zip', file_get_contents('https://downloads.example.org/pkg.zip'));
