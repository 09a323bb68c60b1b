# Sourced by the lab's repository builders (standins/build-repo.sh, real/apt-repo.sh): the .debs already in
# DIR published as a signed flat apt repository (Suites: /), as pkgs.k8s.io lays it out — Packages(.gz),
# Release, InRelease, Release.gpg, key.asc — signed with the lab's key "hakube-lab" in $GNUPGHOME.
publish_apt_repo() { # DIR LABEL DATE
  local dir=$1 label=$2 date=$3
  (
    cd "$dir"
    for deb in *.deb; do
      dpkg-deb -f "$deb"
      echo "Filename: ./$deb"
      echo "Size: $(stat -c %s "$deb")"
      echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
      echo
    done >Packages
    gzip -9nk Packages
    {
      echo "Origin: hakube-lab"
      echo "Label: $label"
      echo "Date: $date"
      echo "SHA256:"
      for f in Packages Packages.gz; do echo " $(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"; done
    } >Release
  )
  gpg --batch --yes --armor --export hakube-lab >"$dir/key.asc"
  gpg --batch --yes --local-user hakube-lab --clearsign -o "$dir/InRelease" "$dir/Release"
  gpg --batch --yes --local-user hakube-lab -abs -o "$dir/Release.gpg" "$dir/Release"
}
