<?php
// An extension installer: the uploaded archive's name picks a directory
// under the application's plugin directory (a constant defined elsewhere),
// and a helper copies into it.  The directory is fixed, so no finding.
class Installer {
    private function copyTree($src, $dst) { return @copy($src, $dst); }
    public function install($archive, $base) {
        $target = PLUGIN_DIR . $base;
        return $this->copyTree($archive, $target);
    }
    public function upload() {
        $base = preg_replace('/\W+/', '', basename($_FILES['pkg']['name']));
        return $this->install('/tmp/upload.archive', $base);
    }
}
